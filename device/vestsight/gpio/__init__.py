"""GPIO: vest buttons and the vibration motor through gpiozero (MockFactory or lgpio pins)."""
