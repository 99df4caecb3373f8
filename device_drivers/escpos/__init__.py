"""ESC/POS: the pure receipt renderer and a decoder that reads printed bytes back."""
