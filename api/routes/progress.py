"""Scaffold: filled in by the study core work."""

from fastapi import APIRouter

router = APIRouter(tags=["progress"])
