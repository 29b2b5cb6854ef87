# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for RDS and EFS; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each)."""

from __future__ import annotations
