"""Reports for the VP office and Home Affairs."""
