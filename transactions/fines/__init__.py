"""Fines and tickets: provincial offence notices and municipal parking tickets."""
