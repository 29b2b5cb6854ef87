# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the AWS emulator (tests/awsemu); a package so its module names cannot clash with other test directories."""
