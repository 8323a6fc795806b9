"""talentbench: comparative benchmarking of Chinese cities' talent policies.

The package is laid out as the pipeline it runs::

    sources -> raw_store -> documents -> provisions -> matrix -> index -> clusters -> report

Each stage reads the previous stage's output and nothing further back.
"""

__version__ = "0.1.0"
