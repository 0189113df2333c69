from tests.unit.stations.conftest import ADMIN


def test_probe(app, opened):
    assert ADMIN.role == "civil_affairs_admin"
    assert app.get_station(opened)["status"] == "opened"
