"""Make Gemma 3n that sees from Google's checkpoint: ``make gemma3n-vision`` (models/README.md).

`pipeline` runs it: `hub` downloads, `sdist` provides llama.cpp's converter, `makervenv` the
tools it needs, `converter` converts and quantizes (`gemma3n_fixes` mends the projector
export), `checks` checks, `local_manifest` records. `recipes` says what is made, from what.
Runs in the project venv; only the converter runs in the maker venv. `selftest` proves the
path on a random-weight checkpoint.
"""
