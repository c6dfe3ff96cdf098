"""``make gemma3n-vision-selftest``: the maker's path on a random-weight Gemma 3n checkpoint.

`checkpoint`, `tokenizer` and `placeholder_torchvision` run in the maker venv (PyTorch,
transformers, timm); `see` and the orchestration (``__main__``) in the project venv.
"""
