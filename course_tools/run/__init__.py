"""Running the notebooks: the papermill runner, the report card, the shipped models' training."""
