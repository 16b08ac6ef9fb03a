"""Schedules and sensors (filled in by the refresh-automation work)."""

import dagster as dg

SCHEDULES: list[dg.ScheduleDefinition] = []
SENSORS: list[dg.SensorDefinition] = []
