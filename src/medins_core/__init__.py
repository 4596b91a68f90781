"""medins: rules engine for the employer side of China's employee medical insurance."""
