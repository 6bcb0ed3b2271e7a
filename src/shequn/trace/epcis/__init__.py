"""The EPCIS 2.0 repository: storing events (store), validating captured
documents, the event hash ID, and the REST binding's queries."""
