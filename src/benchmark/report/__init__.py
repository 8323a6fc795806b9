"""Reports: figures (matplotlib/seaborn, Chinese labels) and the PDF comparison report."""
