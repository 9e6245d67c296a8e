"""Analysis: pure functions over a run's logs and a sweep's table: the metrics, paired
statistics, figures, reports, and the stylised facts of any transaction log."""
