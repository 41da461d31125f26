"""The few Docker Engine API calls the scaler makes, over the engine's unix socket with the standard library."""
import http.client
import json
import socket
import urllib.parse

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NUMBER_LABEL = "com.docker.compose.container-number"
ONEOFF_LABEL = "com.docker.compose.oneoff"
STACK_LABEL = "com.docker.stack.namespace"


class EngineError(RuntimeError):
    pass


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


class Engine:
    def __init__(self, socket_path: str = "/var/run/docker.sock"):
        self._socket_path = socket_path

    def call(self, method: str, path: str, body=None, timeout: float = 30):
        connection = _UnixConnection(self._socket_path, timeout)
        try:
            payload = None if body is None else json.dumps(body)
            connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status >= 400:
            try:
                message = json.loads(data).get("message", "")
            except ValueError:
                message = data[:200].decode(errors="replace")
            raise EngineError(f"{method} {path.split('?')[0]}: HTTP {response.status}: {message}")
        return json.loads(data) if data else None

    def containers(self, project: str, service: str) -> list:
        """Every container of one compose service, running or not, lowest container number first."""
        labels = [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}={service}", f"{ONEOFF_LABEL}=False"]
        query = urllib.parse.urlencode({"all": "1", "filters": json.dumps({"label": labels})})
        found = self.call("GET", f"/containers/json?{query}")
        return sorted(found, key=lambda c: int(c["Labels"].get(NUMBER_LABEL, "0")))

    def inspect(self, container_id: str) -> dict:
        return self.call("GET", f"/containers/{container_id}/json")

    def start(self, container_id: str):
        self.call("POST", f"/containers/{container_id}/start")

    def stop(self, container_id: str, grace_seconds: int):
        self.call("POST", f"/containers/{container_id}/stop?t={grace_seconds}", timeout=grace_seconds + 30)

    def remove(self, container_id: str):
        self.call("DELETE", f"/containers/{container_id}")

    def create(self, name: str, body: dict) -> str:
        return self.call("POST", f"/containers/create?name={urllib.parse.quote(name)}", body)["Id"]

    def connect(self, network: str, container_id: str, aliases: list):
        self.call("POST", f"/networks/{network}/connect", {"Container": container_id, "EndpointConfig": {"Aliases": aliases}})

    # Swarm (on a manager's engine): a stack's service, its tasks, a new spec for it.
    def service(self, name: str) -> dict:
        return self.call("GET", f"/services/{urllib.parse.quote(name)}")

    def tasks(self, service_id: str) -> list:
        query = urllib.parse.urlencode({"filters": json.dumps({"service": [service_id]})})
        return self.call("GET", f"/tasks?{query}")

    def task_of(self, container_id: str) -> dict:
        """The running task whose container's id starts with container_id (a container's hostname is its short id)."""
        query = urllib.parse.urlencode({"filters": json.dumps({"desired-state": ["running"]})})
        for task in self.call("GET", f"/tasks?{query}"):
            if task.get("Status", {}).get("ContainerStatus", {}).get("ContainerID", "").startswith(container_id):
                return task
        raise EngineError(f"no running task of the swarm has the container {container_id}")

    def update_service(self, service_id: str, version: int, spec: dict):
        self.call("POST", f"/services/{service_id}/update?version={version}", spec)
