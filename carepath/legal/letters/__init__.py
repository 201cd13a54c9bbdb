"""The letter before proceedings as a document: the data a template sees (context), the quality
checklist (checklist), the reading-ease score (readability) and rendering to Word and PDF
(rendering). Nothing here touches the database, so it can be tested and timed on plain data."""
