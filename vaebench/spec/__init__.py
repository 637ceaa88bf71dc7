"""The specification of a paper: benchmarks/<paper>.yaml read and checked (specs), the choices
it leaves open (alternatives), its own inconsistencies, and artifacts built from the data
present."""
