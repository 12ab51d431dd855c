"""Other products run by the benchmarks beside this one, on the same machine in the same run."""
