"""coder stage."""
