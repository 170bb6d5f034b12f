"""The REST API of the incidents app; each module lists its routes for the router."""
