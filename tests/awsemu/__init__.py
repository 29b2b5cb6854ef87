# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS emulator for the collection's tests: moto, patched towards real AWS behaviour, with request counting.

Test tooling only; it is not part of the built collection (see README.md).
"""

from .server import Emulator

__all__ = ["Emulator"]
