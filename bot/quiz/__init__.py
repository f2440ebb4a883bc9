"""Career quizzes: instruments as data, and pure scoring."""
