"""ZO Lab's numerical core: zeroth-order optimization with function values only.

Import the submodule you need (``from zo_core import landscapes, estimators``); nothing heavy
(torch, transformers, sympy) is imported until a module or a call that needs it is.
No module here imports streamlit: the core works the same in a notebook.
"""

__all__ = ["landscapes", "formula", "expressions", "estimators", "theory", "objectives",
           "optimizers", "attack", "tuning", "mezo", "lm", "viz", "slides", "exercises"]
