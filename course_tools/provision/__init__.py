"""Provisioning: the Python to use, the pins, the wheelhouse, full MNIST, the machine check."""
