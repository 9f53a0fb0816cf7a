"""The course's notebooks as they are handed out: executions, editions, each student's own exercises."""
