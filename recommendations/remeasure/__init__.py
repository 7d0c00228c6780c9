"""Re-measuring stored photos with another model version (`manage.py remeasure`)."""
