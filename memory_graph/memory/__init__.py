"""Adopted memory: nodes and their evidence, the inbox reader, adoption (the one writer of the
memory tables), forget, the networkx view and recall."""
