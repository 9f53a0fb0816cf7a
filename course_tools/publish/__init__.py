"""Publishing the course: slides, the book, the live demo, the diagrams."""
