"""A paper's claims register (`claims:` in benchmarks/<paper>.yaml) and which rows judge them.

`claims:` lists every claim the paper makes (abstract, conclusions, under each table and
figure): an id, the claim in one sentence, where it is stated, its kind, the artifacts whose
rows test it (none: `untested_why` says why). `claim_rows: {artifact: {metric: claim id}}` names
the claim each judged row reads; `extension` marks a row beyond the paper, `generator` a check
of our own data generator; `"*"` covers an artifact's remaining rows.
"""

KINDS = ("ordering", "trend", "value", "count", "qualitative")
BEYOND = ("extension", "generator")


def register(spec: dict) -> list[dict]:
    return spec.get("claims") or []


def rows_of(spec: dict, artifact: str) -> dict:
    """{metric: claim id, extension or generator} for one artifact ({} when not given)."""
    return (spec.get("claim_rows") or {}).get(artifact) or {}


def reduced_metrics(spec: dict, artifact: str, scale: str) -> dict[str, str]:
    """{metric: why} for the absolute values a scale's reduced protocol measures unlike the
    paper's (`not_comparable_at: {quick: {metrics: [...], why: ...}}` in the artifact): a
    quarter-width net on fewer images cannot settle an absolute mse, whatever its interval."""
    entry = (spec["artifacts"][artifact].get("not_comparable_at") or {}).get(scale) or {}
    why = " ".join(str(entry.get("why", "")).split())
    return {metric: why for metric in entry.get("metrics", [])}


def mark_reduced(frame, spec: dict, artifact: str, scale: str):
    """`frame` with `not_comparable` set on the rows of the scale's reduced metrics (an input
    of verdict.decide, not an override)."""
    reduced = reduced_metrics(spec, artifact, scale)
    if not reduced:
        return frame
    frame = frame.copy()
    if "not_comparable" not in frame.columns:
        frame["not_comparable"] = ""
    frame["not_comparable"] = frame["not_comparable"].fillna("").astype(str)
    for metric, why in reduced.items():
        picked = (frame.metric == metric) & (frame["not_comparable"] == "")
        frame.loc[picked, "not_comparable"] = why
    return frame


def no_seed_noise(spec: dict, artifact: str) -> bool:
    """Whether the artifact says (`no_seed_noise: <why>`) that its values carry no seed noise:
    computed without training runs, so one value decides a value claim."""
    return bool(spec["artifacts"][artifact].get("no_seed_noise"))


def validate(spec: dict, fail) -> None:
    """Ids unique; every tested_by artifact defined and reaching the claim through its
    claim_rows; every claim_rows target a claim or a word of BEYOND; no_seed_noise only where
    nothing trains. (Each claim's fields are the schema's.)"""
    claims = register(spec)
    ids = [claim["id"] for claim in claims]
    for duplicated in sorted({i for i in ids if ids.count(i) > 1}):
        fail(f"claims: duplicated id '{duplicated}'")
    artifacts = spec["artifacts"]
    for claim in claims:
        for artifact in claim.get("tested_by") or []:
            if artifact not in artifacts:
                fail(f"claim '{claim['id']}' is tested by '{artifact}', which is not defined")
    for name, artifact in artifacts.items():
        if artifact.get("no_seed_noise") and artifact.get("experiments"):
            fail(f"artifact '{name}' says no_seed_noise but trains runs (experiments:); seed "
                 f"noise is measured from its runs: drop no_seed_noise")
    for artifact, mapping in (spec.get("claim_rows") or {}).items():
        if artifact not in artifacts:
            fail(f"claim_rows: artifact '{artifact}' is not defined")
        for metric, target in mapping.items():
            if target not in ids and target not in BEYOND:
                fail(f"claim_rows: {artifact}.{metric} names claim '{target}', which is not in "
                     f"claims: (or use one of {', '.join(BEYOND)})")
            if target in ids and artifact not in _tested_by(claims, target):
                fail(f"claim_rows: {artifact}.{metric} judges claim '{target}', whose tested_by "
                     f"does not list {artifact}; add it there")


def _tested_by(claims: list[dict], claim_id: str) -> list[str]:
    return next(c.get("tested_by") or [] for c in claims if c["id"] == claim_id)
