enum _VHRSystemModule {}
