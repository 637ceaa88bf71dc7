"""One package per paper: everything its spec (benchmarks/<paper>.yaml) needs that no other paper
uses, its builders, models, likelihoods, sampled data sets and procedures, named in the package's
`__init__` with vaebench.registry.register. The generic layers never import these packages; they
ask the registry, which finds them by scanning this folder.
"""
