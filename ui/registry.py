"""Every page of ZO Lab, in menu order. A page whose file does not exist yet is not listed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    file: str          # path relative to the repository root
    title: str
    icon: str          # a :material/...: icon (emoji do not render on every machine)
    section: str
    blurb: str         # one sentence for the home page card
    lecture: str = ""  # lectures/<lecture>.md shown beside the demo

    @property
    def exists(self) -> bool:
        return (ROOT / self.file).is_file()

    @property
    def url_path(self) -> str:
        return Path(self.file).stem


HOME = PageInfo("pages/home.py", "Home", ":material/home:", "ZO Lab", "Start here.", "introduction")

PAGES: list[PageInfo] = [
    PageInfo("pages/landscapes.py", "Landscapes", ":material/landscape:", "Foundations",
             "The 2-D test functions, their gradient fields and minima, or a formula of your own.", "landscapes"),
    PageInfo("pages/gradient_estimators.py", "Gradient estimators", ":material/scatter_plot:", "Estimators",
             "Finite differences against random directions: clouds of estimates, bias and round-off.",
             "estimators"),
    PageInfo("pages/estimator_variance.py", "Estimator variance", ":material/stacked_line_chart:", "Estimators",
             "How variance grows with the dimension and shrinks with the number of directions.", "estimators"),
    PageInfo("pages/theory.py", "Theory", ":material/function:", "Estimators",
             "Taylor expansions and exact expectations, derived symbolically for your polynomial.", "theory"),
    PageInfo("pages/smoothing.py", "Smoothing, max-loss, tilting", ":material/blur_on:", "Sharpness",
             "Average, worst-case and exponentially tilted losses, and why tilting finds flat minima.",
             "tilting"),
    PageInfo("pages/algorithms_race.py", "Algorithms race", ":material/sprint:", "Sharpness",
             "GD, SAM, ZO-SGD, ZEST and SABO from one start with one query budget.", "sabo"),
    PageInfo("pages/adversarial_attack.py", "Adversarial attack", ":material/gpp_bad:", "Applications",
             "Fool a digit classifier by querying only its output probabilities.", "applications"),
    PageInfo("pages/hyperparameter_tuning.py", "Hyperparameter tuning", ":material/tune:", "Applications",
             "Tune two hyperparameters of a real model with function values only.", "applications"),
    PageInfo("pages/mezo.py", "MeZO", ":material/memory:", "Applications",
             "Fine-tune a real language model with forward passes only, and measure its memory.", "mezo"),
    PageInfo("pages/slides.py", "Slides", ":material/slideshow:", "Instructor",
             "Collect figures into a deck and export it as HTML, PDF, Beamer or PowerPoint.", ""),
    PageInfo("pages/class_monitor.py", "Class monitor", ":material/monitoring:", "Instructor",
             "Active students and the slowest reruns, over every replica serving the class.", ""),
    PageInfo("pages/present.py", "Present", ":material/co_present:", "Instructor",
             "Present a lecture slide by slide with live figures; students follow on their phones.", ""),
]


def available() -> list[PageInfo]:
    """The pages whose files exist, in menu order."""
    return [p for p in PAGES if p.exists]


def for_file(path: str) -> PageInfo | None:
    """The PageInfo of a page file (a page passes its ``__file__``), None for a file not listed."""
    target = Path(path).resolve()
    return next((p for p in [HOME, *PAGES] if (ROOT / p.file).resolve() == target), None)
