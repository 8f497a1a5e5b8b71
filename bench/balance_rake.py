"""Raking with facebookresearch's balance, run by the python of balance's own virtual environment
(bench/surveys.py makes it: balance requires numpy<2, the project numpy 2). This module imports
nothing of the project but bench.memory, and neither polars nor pyarrow.

`python -m bench.balance_rake serve DIRECTORY` reads the respondents that bench/surveys.py wrote
for it (balance.npz: each variable's category codes and the design weights; margins.json: each
variable's categories in order, with their population counts), builds the pandas frame of the
string categories balance takes, and then rakes once per line read on stdin, answering each with
a line of JSON: the seconds the raking took, whether it converged, or the error. The first run
also writes the weights to weights-balance.npy. `once DIRECTORY` loads and rakes once and
answers with its peak memory, like the other libraries' fresh children.

balance's `target_margins=` realises the margins as at most 10,000 synthetic rows, so its margins
are only approximately the population's. The target here is exact instead: every combination of
the variables' categories (12 x 6 x 2 x 5 x 2 = 1,440 rows), each weighted by the population total
times the product of its categories' population shares, whose margins are the population margins.
Building it from the margins is timed, as the other libraries' conversions are.
"""

import contextlib
import json
import logging
import sys
import time
from functools import reduce
from pathlib import Path

import numpy as np

from bench.memory import reply

TOLERANCE = 1e-10


def load(directory: Path):
    import pandas as pd

    margins = json.loads((directory / "margins.json").read_text())
    data = np.load(directory / "balance.npz")
    frame = pd.DataFrame(
        {
            variable: np.asarray(list(counts), dtype=object)[data[variable]]
            for variable, counts in margins.items()
        }
    )
    return frame, pd.Series(data["design_weight"]), margins


def exact_target(margins: dict):
    """Every combination of the categories, weighted so its margins are the population's."""
    import pandas as pd

    variables = list(margins)
    target = pd.MultiIndex.from_product(
        [list(margins[v]) for v in variables], names=variables
    ).to_frame(index=False)
    shares = [np.array(list(counts.values())) / sum(counts.values()) for counts in margins.values()]
    total = sum(next(iter(margins.values())).values())
    # from_product varies the last variable fastest, as does the outer product raveled.
    return target, pd.Series(total * reduce(np.multiply.outer, shares).ravel())


def rake(frame, design, margins: dict) -> tuple[np.ndarray, bool]:
    from balance.weighting_methods.rake import rake as balance_rake

    target, target_weights = exact_target(margins)
    result = balance_rake(
        frame,
        design,
        target,
        target_weights,
        variables=list(margins),
        transformations=None,
        max_iteration=1000,
        convergence_rate=TOLERANCE,
        rate_tolerance=0,
    )
    # balance merges the rows with its fitted cells and sets their index back: the weights come
    # indexed like the sample, and are read in the sample's order.
    weights = result["weight"].reindex(frame.index).to_numpy()
    model = result["model"]
    # Its "converged" is 1 also when an iteration leaves the error where it was; the error
    # reached says whether it met the tolerance.
    converged = bool(model["converged"] and model["iterations"]["conv"].iloc[-1] <= TOLERANCE)
    return weights, converged


def serve(directory: Path) -> None:
    frame, design, margins = load(directory)
    out = sys.__stdout__
    first = True
    for _line in sys.stdin:
        try:
            started = time.perf_counter()
            weights, converged = rake(frame, design, margins)
            seconds = time.perf_counter() - started
            if first:
                np.save(directory / "weights-balance.npy", weights)
                first = False
            answer = {"seconds": seconds, "converged": converged}
        except Exception as error:  # the bench reports it, and goes on without balance
            answer = {"error": f"{type(error).__name__}: {error}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def main(argv: list[str]) -> None:
    # balance logs its welcome on import, and every step of raking, at INFO: only its warnings.
    logging.getLogger("balance").addFilter(lambda record: record.levelno >= logging.WARNING)
    import balance

    balance.set_warnings("WARNING")
    command, directory = argv[0], Path(argv[1])
    # The answers are the only thing on stdout: what a library prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        if command == "serve":
            serve(directory)
            return
        rake(*load(directory))
    reply({})


if __name__ == "__main__":
    main(sys.argv[1:])
