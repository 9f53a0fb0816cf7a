"""The classroom: JupyterLab's settings, the class hub and its log-in."""
