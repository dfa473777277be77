"""Attention Lens core: datasets, attention variants, sequential recommenders, training and explanations.

Plain Python + PyTorch; never imports streamlit. Everything the app does is callable from the CLI.
"""
