"""Scripts that print the performance figures; run each as `python -m bench.<name>` from the repository root."""
