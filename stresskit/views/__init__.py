"""What each notebook shows: `base` and one module per recommendation, named as the guideline names it."""
