"""Offline speech-to-text for asking by voice: Whisper base through CTranslate2 (int8, CPU),
loaded once and run on its own thread (`service.SpeechRecognizer`)."""
