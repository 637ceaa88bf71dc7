"""How many epochs a run trains, from its configuration and its epoch losses so far: what the
training loop decides after every epoch and what `vaebench progress` reads back from a run's
files. Kept apart from the loop so that reading it needs no torch."""

from vaebench.train.config import TrainConfig
from vaebench.train.convergence import has_plateaued


def planned_epochs(cfg: TrainConfig, losses: list[float]) -> int:
    """How long this run trains, given the epoch losses so far: `epochs` (or its σ schedule's
    length), and with `max_epochs` one more chunk (a quarter of `epochs`) each time a chunk ends
    with the loss still falling.
    Decided from the losses alone, so a resumed run extends exactly as an uninterrupted one;
    checked at chunk ends only, so a falling run gets few chances to pass the noise test."""
    end = cfg.first_epochs()
    chunk = max(1, cfg.epochs // 4)
    while (cfg.max_epochs is not None and end < cfg.max_epochs and len(losses) >= end
           and not has_plateaued(losses[:end], cfg.converge_window, cfg.converge_rtol)):
        end = min(end + chunk, cfg.max_epochs)
    return end
