"""ringfence: proves whether a cloud estate is defended in depth."""

__version__ = "0.3.0"
__all__ = ["__version__"]
