"""The pages of the incidents app; each module carries its own urlpatterns."""
