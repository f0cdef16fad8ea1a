import pytest
from pydantic import ValidationError

from tutor.settings import Settings


def test_prod_refuses_a_placeholder_secret():
    with pytest.raises(ValidationError):
        Settings(env="prod", jwt_secret="changeme")


def test_prod_accepts_a_long_secret():
    assert Settings(env="prod", jwt_secret="x" * 40).env == "prod"


def test_database_url_must_be_postgres():
    with pytest.raises(ValidationError):
        Settings(database_url="mysql://localhost/db")


def test_dev_secret_is_generated_once_and_kept(tmp_path):
    first = Settings(data_dir=tmp_path).jwt_key()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).jwt_key() == first


def test_the_reminder_interval_divides_a_minute():
    assert Settings(task_reminder_every_s=15).task_reminder_every_s == 15
    with pytest.raises(ValidationError, match="must divide 60"):
        Settings(task_reminder_every_s=7)
