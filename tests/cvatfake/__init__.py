# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake CVAT server on loopback whose every request and answer is checked against CVAT's OpenAPI schema."""
