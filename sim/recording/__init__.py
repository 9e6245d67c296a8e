"""Recording a run's outputs: files that appear only when complete (`atomic`), logs streamed to
Parquet (`log_stream`), a run's folder (`run_folder`) and the code that made it (`provenance`)."""
