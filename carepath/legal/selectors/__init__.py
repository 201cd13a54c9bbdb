"""Reads for the legal pathway, one module per part. Every selector takes the acting user and
returns only the children (and legal cases) that user may see."""
