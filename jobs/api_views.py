"""API views (Invopop-compatible)."""
