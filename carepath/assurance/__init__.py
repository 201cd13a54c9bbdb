"""Practice assurance (issue 5; findings F16, F17, F18): case audits that tell the truth,
moderation that measures whether auditors agree, calibration of audits against what the record
shows, and supervision that records case direction with owned, dated actions.

Layout, as in the legal app: models/ (one module per part), services/ (every write), selectors/
(every read, scoped to what the reader may see), views/ (one module per part, with its routes).
"""
