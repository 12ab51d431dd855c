"""The counterparts `make run` starts beside the demo (DEBUG): the simulators of the tax
agencies and networks, registered by their providers (providers/simulators.py). Here, in the
demo, so that the launcher (serve.py) imports no app above the base one."""

from providers.simulators import all_simulators

__all__ = ["all_simulators"]
