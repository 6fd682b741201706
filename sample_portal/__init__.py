"""A local imitation of the Vũng Tàu City portal (June 2022) with seeded defects and ground truth.

The monitor is tested against this portal: it serves a scenario night by night on loopback, and the
scenario states exactly which findings a correct monitor must report each night. A scenario names
its site layout (sample_portal.layouts): "vungtau2022" (scenario vungtau-2022) or "phuongvungtau2025",
the portal of Phường Vũng Tàu, Ho Chi Minh City, with a paginated server-rendered directory
(scenario phuong-vung-tau-2025).
"""
from .scenario import SCENARIOS_DIR, Defect, Scenario, ScenarioError, load_scenario
from .server import Faults, SamplePortal

__all__ = ["load_scenario", "Scenario", "SamplePortal", "Faults", "SCENARIOS_DIR", "Defect", "ScenarioError"]
