"""`case-assist-check record`: a person goes through the flow in a browser; the scenario YAML is written for them.

Recorder(browser, url, base_url=…, name=…)   record in a fresh context; drive `.page`; `.finish()` → YAML text
record_to_file(url, output, …)              what the CLI calls: launch Chromium headed, wait, write the file
"""

from checker.record.recorder import Recorder, record_to_file, step_from_payload
from checker.record.writer import RecordedStep

__all__ = ["Recorder", "RecordedStep", "record_to_file", "step_from_payload"]
