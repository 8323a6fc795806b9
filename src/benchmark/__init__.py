"""talentbench: comparative benchmarking of Chinese cities' talent policies.

The package is laid out as the pipeline it runs::

    sources -> raw_store -> documents -> provisions -> valuation -> matrix -> index
            -> clusters -> report

Each stage reads the previous stage's output and nothing further back. For analysts::

    import benchmark as tb
    a = tb.assess(focus="杭州")      # every stage, one object (see benchmark.assessment)
    a.results, a.profile_values, a.log
    b = a.variant(step=("impute", {"method": "median"}))
    a.compare(b)
    a.report("杭州.pdf")
"""

__version__ = "0.1.0"


def assess(focus=None, **options):
    """Compute an assessment (see ``benchmark.assessment.assess``)."""
    from benchmark.assessment import assess as _assess

    return _assess(focus=focus, **options)
