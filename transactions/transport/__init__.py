"""Transport: registration renewal, driver's record, personalized plates, licence address."""
